"""Helpers shared by the tests (not tests themselves): synthetic images, clips, media."""
