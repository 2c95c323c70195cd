"""An article knowledge graph: annotated news articles compiled to RDF, validated with SHACL, served over SPARQL."""

__version__ = "0.1.0"

__all__ = ["__version__"]
