"""The synthetic world: a taxpayer master file, requests against it, and their truth."""
