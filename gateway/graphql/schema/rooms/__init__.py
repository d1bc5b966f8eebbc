"""The rooms domain: queries, mutations, types and create inputs."""
