"""Appointments: schedules and slots, booking, cancel and reschedule by code, check-in."""
