#!/bin/sh
# Installed as /usr/local/bin/greet in the custom-docker sample's image: prints what the
# image's build wrote, then the user id the container runs as.
cat /etc/ferry-sample
id -u
