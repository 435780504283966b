"""cluster-intake: the foundation (core), the round's rules (rounds), intake, reports and the application."""
