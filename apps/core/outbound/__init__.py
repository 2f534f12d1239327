"""Requests our servers make to other servers: the one client they all go through, and its deadline."""
