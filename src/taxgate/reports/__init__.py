"""Reports: the scenario comparison today; disclosure, transparency and compliance reports later."""
