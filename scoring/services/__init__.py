"""Shared services below the analyzers: readers and models several analyzers use (OCR, speech, text, audio frames)."""
