namespace DnaNas.Data;

/// <summary>
/// A dataset cannot be read. The message is one line meant for the user: it names the file or folder
/// and says how to fix it.
/// </summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string message) : base(message)
    {
    }

    public DatasetException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
