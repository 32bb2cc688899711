"""The `hic` command line: the front door to every stage."""
