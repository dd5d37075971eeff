// shared test setup: registers the matchers once they exist
export {};
