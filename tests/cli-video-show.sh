#!/bin/sh
# placeholder, filled below
