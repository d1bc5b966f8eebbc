"""Live room state: who is in a room now, as a query and as a subscription."""
