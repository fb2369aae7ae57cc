"""A page image to its reading, in the order each page goes: `options` (how to read it),
`prepare` (the page made easy to read), `readings` (an engine's reading of it, and what every
reading gets before it is returned), `floor` (never much worse than the page as sent),
`neural` (the neural reader, and when `auto` asks it), and `page`, the one entry point,
`recognize_page`, that puts them together for every route and job."""
