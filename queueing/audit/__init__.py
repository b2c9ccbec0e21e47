"""The audit log: who did what to which ticket, appointment or setting, when and from where."""
