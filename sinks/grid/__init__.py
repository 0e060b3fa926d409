"""The grid platform integration: contract, client, delivery of orders, and the lifecycle webhook ingress."""
