"""The customer base: cards, phones, search, duplicates and merging, interests, contacts and
reminders, delivery addresses. Plain modules, no Textual."""
