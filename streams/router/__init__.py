"""The stateless router service: raw 110/12345 topics in, decisions out."""
