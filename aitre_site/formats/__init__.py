"""The studio's own date formats, where Django's built-in ones read badly in the studio's sentences."""
