"""`hic`: check, run and compile hilang (`.hi`) and lolang (`.lo`) programs.

Exit statuses (DESIGN.md): 0 success, 1 bad input (a diagnostic was
printed), 2 usage error, 3 compiler bug, 101 the program's runtime error,
141 stdout closed under hic (as a Unix tool that SIGPIPE ends).
Everything about stages comes from `lowering.pipeline`; this module only
parses the command line and reports.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from contextlib import contextmanager

# rich (0.05 s to import) only where something is printed with it: a
# diagnostic, a --dump; importlib.metadata only for --version.
from diagnostics import CompileError, CompilerBug, Source, render_diagnostics
# `hic.dump` (rich's syntax highlighting, pygments: 0.1 s) is imported where
# --dump or --emit needs it, not for every compile.
from hic import engines, profile_plot
from lowering import pipeline
from runtime import RuntimeBuildError

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_BUG, EXIT_RUNTIME = 0, 1, 2, 3, 101
# Output cut short (`hic run prog.hi | head -1`): the status a shell shows
# for a Unix tool that SIGPIPE ended (128 + 13), and nothing printed.
EXIT_CLOSED_PIPE = 141

EPILOG = """\
examples:
  hic check examples/binary_trees.hi
  hic run examples/binary_trees.hi --engine hilang --stats
  hic run prog.lo --engine lolang
  hic compile examples/binary_trees.hi --dump all
  hic compile examples/binary_trees.hi --emit mono -o bt.mono.hi
  hic compile examples/binary_trees.hi               # a native executable: ./binary_trees
  hic compile examples/binary_trees.hi -o bt          # ... named bt
  hic compile examples/binary_trees.hi --emit llvm -o bt.ll

stages: ast, typed, mono (hilang); lo, lo.<pass> (lolang); llvm; and for
--emit also obj (an object file) and exe (an executable: what compile writes
when asked for nothing else).
exit status: 0 ok, 1 bad input (or no C compiler, an output that cannot be
written, or no memory to compile in), 2 usage, 3 compiler bug, 101 runtime
error (out of memory included), 141 output cut short (| head): hic stops quietly.
"""


class UsageError(Exception):
    """A command line that makes no sense; exit 2."""


class CannotWrite(Exception):
    """An output file that cannot be written (a missing directory, no
    permission): the user's to fix, so exit 1 with the OS's reason."""


@contextmanager
def writing(path: str):
    try:
        yield
    except OSError as error:
        raise CannotWrite(f"cannot write '{path}': {error.strerror or error}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hic",
        description="hic compiles hilang, a garbage-collected-style language, "
        "to native code that manages memory with regions instead of a collector.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="parse and check a program; report every error")
    check.add_argument("file", metavar="FILE.hi|FILE.lo")

    run = commands.add_parser("run", help="run a program on one engine",
                              usage="hic run FILE [options] [-- ARGS...]",
                              description="Run a program. Arguments after '--' go to main(args).")
    run.add_argument("file", metavar="FILE.hi|FILE.lo")
    run.add_argument("--engine", choices=engines.ENGINE_NAMES,
                     help="which engine runs it (default: the most compiled one available)")
    run.add_argument("--stage", metavar="STAGE",
                     help="which stage's program to run (default: the last one the engine runs)")
    run.add_argument("--stats", nargs="?", const="-", metavar="FILE",
                     help="write the run's figures as JSON on stderr, or with --stats=FILE to FILE")
    run.add_argument("--profile", metavar="OUT",
                     help="draw the run's memory (lolang and native engines): live bytes by "
                     "allocation site, live regions; OUT.svg, .png or .pdf (needs matplotlib), "
                     "with the data beside it as JSON, or OUT.json for the data alone")
    _add_optimization(run)

    compile_ = commands.add_parser("compile", help="compile a program; show or write any stage")
    compile_.add_argument("file", metavar="FILE.hi|FILE.lo")
    compile_.add_argument("-o", dest="output", metavar="OUT",
                          help="where to write: the executable, or what --emit names (default: "
                          "text stages to stdout, an executable or object file named after FILE)")
    compile_.add_argument("--dump", metavar="STAGE,...|all",
                          help="pretty-print these stages (with a summary table each)")
    compile_.add_argument("--emit", metavar="STAGE",
                          help="write this stage's text, or with 'obj' or 'exe' an object file or an "
                          "executable (the default unless only --dump is given)")
    _add_optimization(compile_)
    return parser


class _VersionAction(argparse._VersionAction):
    """argparse's `--version`, the text found only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        self.version = version_text()
        super().__call__(parser, namespace, values, option_string)


def version_text() -> str:
    """hic's version and the versions of what its output depends on."""
    from importlib import metadata

    try:
        mine = metadata.version("hic")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        mine = "(not installed)"
    try:
        llvmlite = metadata.version("llvmlite")
    except metadata.PackageNotFoundError:
        llvmlite = "?"
    python = ".".join(map(str, sys.version_info[:3]))
    return f"hic {mine} (llvmlite {llvmlite}, Python {python})"


def level_help(level: int) -> str:
    """What `-O<level>` runs, read from the pipeline's list of passes."""
    if level == 0:
        return "no optimization pass (the naive lowering)"
    passes = [s.pass_name for s in pipeline.lolang_stages() if s.optimization and s.min_level <= level]
    listed = ", ".join(passes) if passes else "none yet"
    return f"the passes of level {level} or lower: {listed}" + (" (default)" if level == 2 else "")


def _add_optimization(sub: argparse.ArgumentParser) -> None:
    group = sub.add_mutually_exclusive_group()
    for level in (0, 1, 2):
        group.add_argument(f"-O{level}", dest="level", action="store_const", const=level,
                           help=level_help(level))
    sub.set_defaults(level=2)
    sub.add_argument("--no-pass", action="append", default=[], metavar="NAME",
                     help="switch one optimization pass off (repeatable)")


def run() -> None:
    """The `hic` command (and `python -m hic`): `main`, then the process
    ends with its status at once, stdout and stderr flushed. Python's own
    exit would first free, object by object, everything still alive (the
    deep-stack thread's last result, module caches): 0.4 s of CPU after
    compiling a 1,500-line program, for memory the process is giving back
    anyway. Should a flush fail, the ordinary exit reports it as usual."""
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        raise SystemExit(status) from None
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after '--' belongs to the program's main(args); argparse's
    # subcommands would otherwise try to read it.
    program_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, program_args = argv[:cut], argv[cut + 1:]
    # `--stats` names a file only as `--stats=FILE`: the common spelling
    # `hic run --stats prog.hi` must not take the program for the file.
    argv = ["--stats=-" if a == "--stats" else a for a in argv]
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    args.args = program_args
    try:
        status = _dispatch(args)
        _flush_stdout(quietly=False)
        return status
    except BrokenPipeError:
        return _output_closed()
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"hic: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (CannotWrite, RuntimeBuildError, profile_plot.PlotUnavailable) as exc:
        # Not hic's bug and not the program's: what to fix is in the message
        # (a path, or the C compiler the runtime is built with).
        _flush_stdout()
        print(f"hic: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except CompilerBug as bug:
        _flush_stdout()
        where = f" in stage '{bug.stage}'" if bug.stage else ""
        print(f"hic: internal compiler error{where}: {bug}", file=sys.stderr)
        print("this is a bug in hic, not in your program; please report it", file=sys.stderr)
        return EXIT_BUG
    except MemoryError as exc:
        # hic itself ran out while compiling (a program's own running out is
        # its runtime error, reported by the engine): the machine's to fix.
        _flush_stdout()
        detail = f": {exc}" if str(exc) else ""
        print(f"hic: error: out of memory{detail}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # any other escape is hic's fault, never the user's
        _flush_stdout()
        print(f"hic: internal compiler error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("HIC_DEBUG"):
            traceback.print_exc()
        else:
            print("this is a bug in hic; set HIC_DEBUG=1 for a traceback", file=sys.stderr)
        return EXIT_BUG


def _dispatch(args) -> int:
    path = args.file
    if not (path.endswith(".hi") or path.endswith(".lo")):
        raise UsageError(f"'{path}' is neither a hilang (.hi) nor a lolang (.lo) file")
    try:
        source = Source.read(path)
    except OSError as exc:
        print(f"hic: error: cannot read '{path}': {exc.strerror}", file=sys.stderr)
        return EXIT_INPUT
    options = pipeline.Options(args.level if hasattr(args, "level") else 2,
                               frozenset(getattr(args, "no_pass", [])))
    _check_pass_names(path, options.disabled)
    try:
        match args.command:
            case "check":
                return _check(source, options)
            case "run":
                return _run(source, options, args)
            case "compile":
                return _compile(source, options, args)
    except CompileError as error:
        _flush_stdout()
        from rich.console import Console

        err = Console(stderr=True, highlight=False, soft_wrap=True)
        render_diagnostics(source, error.diagnostics, err)
        count = len(error.diagnostics)
        err.print(f"{count} error{'s' if count != 1 else ''}", style="bold red")
        return EXIT_INPUT
    raise UsageError(f"unknown command {args.command}")


def _check_pass_names(path: str, disabled: frozenset[str]) -> None:
    known = pipeline.pass_names(path)
    for name in sorted(disabled - set(known)):
        listed = f"passes are: {', '.join(known)}" if known else "hic has no optimization pass yet"
        raise UsageError(f"--no-pass {name}: no such pass; {listed}")


def checks_end(path: str) -> str:
    """The last stage that can reject the user's program: `mono` for hilang
    (instantiating a generic function checks it at the copy's types, which
    can find errors the generic check cannot); for lolang, its own check."""
    return "lo" if path.endswith(".lo") else "mono"


def _check(source: Source, options: pipeline.Options) -> int:
    pipeline.run_pipeline(source, options, until=checks_end(source.name))
    print(f"{source.name}: ok")
    return EXIT_OK


def _run(source: Source, options: pipeline.Options, args) -> int:
    names = pipeline.stage_names(source.name)
    if args.stage and args.stage not in names:
        raise UsageError(f"no stage '{args.stage}' for {source.name}; stages are: {', '.join(names)}")
    until = args.stage
    if until is None and args.engine is not None:
        # No further than the engine's last stage: `--engine hilang` does
        # not lower, `--engine lolang` does not generate code.
        until = pipeline.last_stage_run_by(source.name, options, args.engine)
    if until is not None:
        # A program that any stage rejects is not run, even at an earlier
        # stage (`--stage typed` of a program whose generic copy is wrong).
        until = names[max(names.index(until), names.index(checks_end(source.name)))]
    artifacts = pipeline.run_pipeline(source, options, until=until)
    artifact = engines.choose(artifacts, args.engine, args.stage)
    if artifact is None:
        wanted = f"engine '{args.engine}'" if args.engine else "an engine"
        at = f" at stage '{args.stage}'" if args.stage else ""
        raise UsageError(f"{wanted} cannot run {source.name}{at}")
    engine = args.engine or artifact.stage.engine
    profile = None
    if args.profile:
        artifact, profile = _profiling(args.profile, engine, artifacts, artifact)
    status, stats = engines.execute(engine, artifact, args.args, profile=profile)
    if args.stats:
        _write_stats(args.stats, {"engine": engine, "stage": artifact.stage.name, **stats})
    if profile:
        with writing(args.profile):
            written = profile_plot.write(profile[0], args.profile, f"{source.name} ({engine}, {artifact.stage.name})")
        print(f"hic: profile in {' and '.join(written)}: {profile_plot.summary(profile[0])}", file=sys.stderr)
    return status


def _profiling(out: str, engine: str, artifacts, artifact):
    """--profile: the artifact to run (native code is compiled afresh for
    profiling from the last lolang stage) and the list the profile goes to."""
    if engine not in ("lolang", "native"):
        raise UsageError("--profile needs the lolang or the native engine")
    profile_plot.check_can_draw(out)
    if engine == "native":
        artifact = [a for a in artifacts if a.stage.engine == "lolang"][-1]
    return artifact, []


def _write_stats(where: str, stats: dict) -> None:
    text = json.dumps(stats, sort_keys=False)
    if where == "-":
        _flush_stdout()
        print(text, file=sys.stderr)
    else:
        with writing(where), open(where, "w") as f:
            f.write(text + "\n")


# What `--emit` can write beyond the stages: machine code made from `llvm`.
NATIVE_OUTPUTS = ("obj", "exe")


def _compile(source: Source, options: pipeline.Options, args) -> int:
    names = pipeline.stage_names(source.name)
    if args.dump or args.emit:
        from hic import dump
    wanted = dump.parse_stage_list(args.dump, names) if args.dump else []
    # Asked for nothing but a dump, hic only shows; otherwise it writes an
    # executable, by default named after the input (`hic compile sum.hi`
    # writes ./sum, as rustc and go build do).
    emit = args.emit or (None if wanted and not args.output else "exe")
    native = emit in NATIVE_OUTPUTS
    if native and "llvm" not in names:
        raise UsageError(f"cannot emit '{emit}': the pipeline has no 'llvm' stage")
    output = args.output or (default_output(source.name, emit) if native else None)
    stage = "llvm" if native else emit
    if stage and stage not in names:
        raise UsageError(f"cannot emit '{emit}'; stages are: {', '.join(names + list(NATIVE_OUTPUTS))}")
    last = max([names.index(n) for n in wanted + ([stage] if stage else [])], default=len(names) - 1)
    artifacts = pipeline.run_pipeline(source, options, until=names[last])
    if wanted:
        dump.show(artifacts, wanted, _pipe_console(), source.name)
    if native:
        from lolang.codegen.native import emit_object, link_executable

        module = next(a for a in artifacts if a.stage.name == "llvm").program
        if emit == "obj":
            code = emit_object(module)
            with writing(output), open(output, "wb") as f:
                f.write(code)
        else:
            with writing(output):
                link_executable(module, output)
    elif args.emit:
        text = dump.text_of(next(a for a in artifacts if a.stage.name == args.emit))
        if args.output:
            with writing(args.output), open(args.output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    return EXIT_OK


def default_output(path: str, emit: str) -> str:
    """Where a binary goes without -o: the input's name, in the current
    directory, without its extension (`.o` added for an object file)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem + ".o" if emit == "obj" else stem


def _pipe_console():
    """rich's Console, except that a closed stdout raises BrokenPipeError
    (rich's own answer is `SystemExit(1)`), which `main` ends quietly."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return PipeConsole(highlight=False)


def _output_closed() -> int:
    """stdout's reader has gone: end quietly, as Unix tools do. Whatever is
    still buffered goes nowhere (Python would otherwise complain when it
    flushes stdout at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's buffer): nothing is flushed at exit
    return EXIT_CLOSED_PIPE


def _flush_stdout(quietly: bool = True) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        if not quietly:
            raise
    except (OSError, ValueError):
        pass
