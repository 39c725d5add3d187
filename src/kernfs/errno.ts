/**
 * The one table mapping kernel errno values to HTTP statuses. Every refused read or
 * write is answered from here, with the errno name in the x-errno header and body.
 */
export const ERRNO = {
  EPERM: { no: 1, status: 403, message: 'Operation not permitted' },
  ENOENT: { no: 2, status: 404, message: 'No such file or directory' },
  ESRCH: { no: 3, status: 404, message: 'No such process' },
  EIO: { no: 5, status: 405, message: 'Input/output error' },
  E2BIG: { no: 7, status: 413, message: 'Argument list too long' },
  EAGAIN: { no: 11, status: 409, message: 'Resource temporarily unavailable' },
  ENOMEM: { no: 12, status: 507, message: 'Cannot allocate memory' },
  EACCES: { no: 13, status: 403, message: 'Permission denied' },
  EBUSY: { no: 16, status: 409, message: 'Device or resource busy' },
  EEXIST: { no: 17, status: 409, message: 'File exists' },
  ENODEV: { no: 19, status: 404, message: 'No such device' },
  ENOTDIR: { no: 20, status: 404, message: 'Not a directory' },
  EISDIR: { no: 21, status: 405, message: 'Is a directory' },
  EINVAL: { no: 22, status: 400, message: 'Invalid argument' },
  ENOSPC: { no: 28, status: 507, message: 'No space left on device' },
  EROFS: { no: 30, status: 403, message: 'Read-only file system' },
  ESPIPE: { no: 29, status: 400, message: 'Illegal seek' },
  ERANGE: { no: 34, status: 400, message: 'Numerical result out of range' },
  EOPNOTSUPP: { no: 95, status: 422, message: 'Operation not supported' },
} as const satisfies Record<string, { no: number; status: number; message: string }>

export type ErrnoName = keyof typeof ERRNO
export const ERRNO_NAMES = Object.keys(ERRNO) as ErrnoName[]
