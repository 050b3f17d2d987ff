"""English dates and times: Django's, with "3:04 PM" instead of "3:04 p.m.".

Django's English "P" time ends in "p.m.", so every sentence ending in a time ("Works until 12/03/2026
3:04 p.m..") got a doubled dot. Everything not set here comes from django.conf.locale.en.
"""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
