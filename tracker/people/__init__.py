"""People: inviting them, and managing their role, boards, agency and whether their account is active."""
