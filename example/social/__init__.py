"""The example site's app: people, projects, statuses and likes, followed through sequere."""
