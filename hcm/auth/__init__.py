"""Users, log-in (session cookie and bearer token) and password hashing."""
