"""Reports rendered for people: the replay report (JSON, HTML page, terminal summary)."""
