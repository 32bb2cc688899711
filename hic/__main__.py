from hic.cli import run

run()
