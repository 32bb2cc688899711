"""hilang -> lolang: the naive lowering, the region optimization passes, and
the pipeline that strings all stages together."""
