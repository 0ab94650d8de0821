"""What the migrate-plan workflow runs around `defender-migrate` (scripts/ are their entry points):
the targeting options from the repository's variables (`targets`) and the job summary of a plan
or apply document (`plan_summary`). The command itself never imports this package."""
