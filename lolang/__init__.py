"""lolang, the region language: IR, printer, parser, checker, interpreter and
LLVM code generation."""
