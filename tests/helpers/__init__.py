"""What the tests share: catalogs, the run builder, lavfi media and loopback servers, moto."""
