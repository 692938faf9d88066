"""Optional apps built on the sequere core; the core never imports them."""
