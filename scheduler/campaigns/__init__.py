"""Campaigns stage: which posts belong to a campaign, and the verifiable Gewinnspiel draw."""
