"""Cases: a caller's situation across calls, with tasks, referrals and a timeline."""
