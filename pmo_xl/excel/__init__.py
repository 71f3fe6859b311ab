"""Excel plumbing with no PMO knowledge: the zip package, sheet XML, the one atomic writer."""
