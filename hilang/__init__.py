"""hilang, the language people write: lexer and parser (sly), AST with source
spans, type and capability checker, monomorphizer, reference interpreter."""
