"""Analyses the region passes share (../shared/PASSES.md, "The analysis"):
each a function from a program (or a function) to a frozen fact the passes
read; none lives on a pass object."""
