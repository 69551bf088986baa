"""Default schedules chosen from a kernel's block structure (used by default-schedule)."""
