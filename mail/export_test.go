package mail

// DialAddr makes s connect to addr while it speaks to the server as
// s's Host: a server on this machine stands for a remote one.
func DialAddr(s *SMTP, addr string) { s.dialAddr = addr }
