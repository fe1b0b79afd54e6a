"""Project tooling: throwaway PostgreSQL clusters, Odoo databases, the test and demo commands."""
