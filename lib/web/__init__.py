"""HTTP and only HTTP: paths, request bodies and query strings read and checked, the JSON
error contract, CORS, the token, rate limits, idempotent retries, kept responses and JSON
output. The routes use these around the rules of lib/domain/."""
