"""What the tests and the benchmark share: starting the real server, and filling a
database with a large history. Neither tests/ nor bench/ imports the other."""
