"""The cache backends settings name: the shared cache every process reads (Redis) and each process's own."""
