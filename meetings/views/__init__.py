"""Pages of the meetings app: the list and details, the agenda, the meeting itself, packs."""
