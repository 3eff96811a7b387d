"""The version of publish, written into outputs as the generator."""

VERSION = "0.1.0"
