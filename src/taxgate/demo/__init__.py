"""The reference scenario's acts for ``taxgate demo``: callers of the stages, like the CLI.

Each act runs the pipeline and the later stages on the built-in world and returns what the
demo prints and writes into ``report.html``; ``cli/demo.py`` parses options and calls them.
"""
