"""The web desk (`proofdesk serve`, ADR 0024): a local browser front end on the review actions."""
