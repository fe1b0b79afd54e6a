"""The large-tenant generator and the benchmarks: ./run bench (see bench/README.md)."""
