"""Portfolio management: criteria, scoring, AHP, backlog, financials, capacity and selection."""
