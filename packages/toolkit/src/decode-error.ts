// The one error type for a request, flag or config value that is not what it should be. HTTP handlers answer it
// with 400 and its message; config loaders print its message. Its message is shown to the user as is.

export class DecodeError extends Error {
  override name = 'DecodeError';
}
