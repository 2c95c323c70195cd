"""External SPARQL engines the project can run on: their lifecycle and bulk loading (one module per engine)."""
