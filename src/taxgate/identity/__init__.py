"""Identity resolution: link request items to the taxpayer master file, and know when unsure."""
