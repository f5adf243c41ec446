"""Pages of accounts: signing in, passwords, and managing people and agencies."""
