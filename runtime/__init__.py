"""The region runtime (C) that native code links against, and the code that
builds and locates it (docs/runtime.md).

    from runtime import shared_library, static_library
    llvmlite.binding.load_library_permanently(str(shared_library()))
    subprocess.run(["cc", "prog.o", *link_args(), "-o", "prog"])
"""

from runtime.build import (
    RuntimeBuildError,
    header_dir,
    link_args,
    shared_library,
    static_library,
)

__all__ = [
    "RuntimeBuildError",
    "header_dir",
    "link_args",
    "shared_library",
    "static_library",
]
